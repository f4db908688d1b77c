Console.WriteLine("mlnetattn");
